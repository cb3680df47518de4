// Runs the example Jenkinsfiles on the Declarative stand-in (Declarative.groovy) against the
// fake ToolJet, build by build as Jenkins would start them, and checks what their comments
// promise: a branch build only diffs and binds no credential; main's job plans and applies each
// instance under its lock, production after an approval that has a timeout; the nightly build
// only checks, unstable on drift; the tag build deploys under production's lock. Run by
// .ci/jenkins-step, which sets the environment read below.
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.customizers.ImportCustomizer

Map<String, String> given = System.getenv()
File scratch = new File(given.SCRATCH)
String examples = given.EXAMPLES
Declarative.binary = given.BINARY
Declarative.tooljetUrl = given.TOOLJET_URL
// main holds tooljet.yml before the change, the branch `change` after it.
Declarative.repository = new File(given.REPOSITORY)

CompilerConfiguration stepConfig = new CompilerConfiguration()
stepConfig.scriptBaseClass = 'JenkinsSteps'
stepConfig.addCompilationCustomizers(new ImportCustomizer().addImports('com.cloudbees.groovy.cps.NonCPS'))
Declarative.library = new GroovyShell(this.class.classLoader, new Binding(), stepConfig).parse(new File(given.STEP))
CompilerConfiguration config = new CompilerConfiguration()
config.scriptBaseClass = 'Declarative'
GroovyShell shell = new GroovyShell(this.class.classLoader, new Binding(), config)
def jenkinsfile = { String name -> shell.parse(new File(examples, name)) }

Map<String, String> tokens = ['tooljet-staging-token': given.TOKEN, 'tooljet-production-token': given.TOKEN,
                              'tooljet-access-token': given.TOKEN]
int failures = 0
int builds = 0
// Each build in a fresh workspace, on an agent that has the repository's branches.
def build = { String name, Map<String, String> theBuild, Closure check ->
  File ws = new File(scratch, "build${++builds}")
  ws.mkdirs()
  Declarative.begin(ws, tokens, theBuild)
  try {
    check(ws)
    assert !Declarative.log.toString().contains(given.TOKEN): 'the token is shown in the log'
    println "ok      ${name}"
  } catch (Throwable problem) {
    failures++
    println "FAILED  ${name}: ${problem}\n${Declarative.log}"
  }
}
def checkout = { File ws, String branch ->
  ['git', 'clone', '--quiet', '--branch', branch, Declarative.repository.path, ws.path].execute().waitFor()
}
def operations = { -> Declarative.stepCalls.collect { it.args.operation } }

build('a branch build diffs tooljet.yml against main and binds no credential',
      [branch: 'change', cause: 'BranchIndexingCause']) { ws ->
  checkout(ws, 'change')
  jenkinsfile('Jenkinsfile.gitops').run()
  assert operations() == ['diff']
  assert !JenkinsSteps.calls.contains('withCredentials')
  assert Declarative.log.toString().contains('instances to plan and apply once merged: ["production","staging"]')
}

build('a pull request build compares with its target branch', [branch: 'PR-7', changeTarget: 'main']) { ws ->
  checkout(ws, 'change')
  jenkinsfile('Jenkinsfile.gitops').run()
  assert operations() == ['diff'] && !JenkinsSteps.calls.contains('withCredentials')
}

// The change is merged.
assert ['git', '-C', Declarative.repository.path, 'merge', '--quiet', '--ff-only', 'change'].execute().waitFor() == 0

build('the nightly build on main only checks, and drift makes it unstable',
      [branch: 'main', cause: 'TimerTrigger']) { ws ->
  jenkinsfile('Jenkinsfile.gitops-main').run()
  assert Declarative.stagesRun == ['Checkout main', 'Drift']
  assert operations() == ['check', 'check']
  assert Declarative.result == 'UNSTABLE'
  assert Declarative.messages.any { it.startsWith('production has drifted') }
}

build('main applies staging, then production after an approval with a timeout, each under its lock',
      [branch: 'main', cause: 'SCMTrigger']) { ws ->
  jenkinsfile('Jenkinsfile.gitops-main').run()
  assert Declarative.stagesRun == ['Checkout main', 'Staging', 'Plan production', 'Apply production']
  assert operations() == ['check', 'apply', 'check', 'apply']
  Declarative.stepCalls.findAll { it.args.operation == 'apply' }.each {
    assert it.locks == ["tooljet-${it.args.instance}"]
  }
  assert Declarative.approvals.size() == 1 && Declarative.approvals[0].timeout
  assert Declarative.log.toString().contains('changed on production: Orders')
}

build('the next night, everything is in sync', [branch: 'main', cause: 'TimerTrigger']) { ws ->
  jenkinsfile('Jenkinsfile.gitops-main').run()
  assert Declarative.result == 'SUCCESS'
  assert operations() == ['check', 'check']
}

build('a tag deploys under production\'s lock', [branch: 'v1', tag: 'v1']) { ws ->
  jenkinsfile('Jenkinsfile').run()
  assert Declarative.stepCalls.size() == 1 && Declarative.stepCalls[0].locks == ['tooljet-production']
}

if (failures) {
  println "${failures} of ${builds} example builds failed"
  System.exit(1)
}
println "all ${builds} example Jenkins builds did what their comments say"
