// Runs vars/toolJetGitSync.groovy on the stand-in Jenkins steps (JenkinsSteps.groovy) against
// the fake ToolJet, the way a Jenkinsfile calls it, and checks what a user depends on. Run by
// .ci/jenkins-step, which sets the environment read below.
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.customizers.ImportCustomizer

Map<String, String> given = System.getenv()
String url = given.TOOLJET_URL, token = given.TOKEN
File scratch = new File(given.SCRATCH)

CompilerConfiguration config = new CompilerConfiguration()
config.scriptBaseClass = 'JenkinsSteps'
// Jenkins imports NonCPS into every pipeline script; so does this.
config.addCompilationCustomizers(new ImportCustomizer().addImports('com.cloudbees.groovy.cps.NonCPS'))
GroovyShell shell = new GroovyShell(this.class.classLoader, new Binding(), config)
def released = shell.parse(new File(given.STEP))
def unreleased = shell.parse(new File(given.UNPINNED_STEP))

int failures = 0
int workspaces = 0
// Each check in a fresh workspace, as a new build on a new agent gets.
def check = { String name, Closure body ->
  File ws = new File(scratch, "ws${++workspaces}")
  ws.mkdirs()
  JenkinsSteps.reset(ws, ['tooljet-access-token': token])
  try {
    body(ws)
    assert !JenkinsSteps.log.toString().contains(token): 'the token is shown in the log'
    println "ok      ${name}"
  } catch (Throwable problem) {
    failures++
    println "FAILED  ${name}: ${problem.message}\n${JenkinsSteps.log}"
  }
}
def deploy = [operation: 'deploy', tooljetUrl: url, workspace: 'Acme', appName: 'Inventory',
              versionName: 'v1', credentialsId: 'tooljet-access-token']
def downloads = { -> new File(given.DOWNLOAD_LOG).readLines().count { it.contains('GET /tooljet-gitsync-action-linux-') } }
def aborts = { Closure body ->
  try {
    body()
  } catch (AbortException expected) {
    return expected.message
  }
  assert false: 'the step did not fail'
}

check('a deploy downloads the pinned binary, runs it and returns the outputs as a map') { ws ->
  int before = downloads()
  Map result = released.call(deploy + [downloadUrl: given.DOWNLOAD_URL])
  assert result.outcome == 'success'
  assert result.operation == 'deploy'
  assert result.versionId ==~ /[0-9a-f-]{36}/
  assert result.httpStatus == '201'
  assert new File(ws, 'tooljet-gitsync-outputs.json').text.contains('"outcome":"success"')
  assert downloads() == before + 1
  // The agent keeps the checked binary: a second call downloads nothing.
  released.call(deploy + [downloadUrl: given.DOWNLOAD_URL])
  assert downloads() == before + 1
}

check('several apps are a list, and every input travels as an INPUT_ variable, not a command line') { ws ->
  Map result = released.call(deploy + [appName: ['Inventory', 'Orders'], dryRun: true, downloadUrl: given.DOWNLOAD_URL])
  assert result.outcome == 'success'
  assert result.results.contains('"app":"Inventory"') && result.results.contains('"app":"Orders"')
  assert JenkinsSteps.scripts && !JenkinsSteps.scripts.any { it.contains('Inventory') || it.contains('Acme') }
}

check('a binary whose sha256 is not the pinned one is refused and not run') { ws ->
  String message = aborts { released.call(deploy + [downloadUrl: given.TAMPERED_URL]) }
  assert message == 'script returned exit code 1'
  assert JenkinsSteps.log.toString().contains('does not have the sha256 this release pinned')
  assert !new File(ws, 'tooljet-gitsync-outputs.json').exists()
}

check('a failed operation fails the step after writing the outputs; propagate: false returns them') { ws ->
  // An app id the workspace does not have: there is nothing to deploy it from.
  Map wrong = deploy.findAll { it.key != 'appName' } +
              [appId: '00000000-0000-4000-8000-000000000000', downloadUrl: given.DOWNLOAD_URL]
  String message = aborts { released.call(wrong) }
  assert message.startsWith('toolJetGitSync: deploy ended with outcome failure (exit 1)')
  assert new File(ws, 'tooljet-gitsync-outputs.json').text.contains('"outcome":"failure"')
  Map result = released.call(wrong + [propagate: false])
  assert result.outcome == 'failure'
}

check('a misspelt argument or a token given as an argument fails before anything runs') { ws ->
  String message = aborts { released.call(deploy + [appNmae: 'Inventory', accessToken: 'x']) }
  assert message.contains('appNmae is not an argument of toolJetGitSync')
  assert message.contains('accessToken is never an argument')
  assert !JenkinsSteps.calls.contains('sh')
  message = aborts { released.call(deploy.findAll { it.key != 'credentialsId' }) }
  assert message.contains('credentialsId is required')
}

check('diff binds no credential, and refuses one') { ws ->
  new File(ws, 'tooljet.yml').text = 'instances:\n  production:\n    workspace: Acme\n    apps:\n      Inventory: v2\n'
  new File(ws, 'base.yml').text = 'instances:\n  production:\n    workspace: Acme\n    apps:\n      Inventory: v1\n'
  Map diff = [operation: 'diff', baseManifest: 'base.yml', downloadUrl: given.DOWNLOAD_URL]
  Map result = released.call(diff)
  assert result.outcome == 'success' && result.instances == '["production"]'
  assert !JenkinsSteps.calls.contains('withCredentials')
  String message = aborts { released.call(diff + [credentialsId: 'tooljet-access-token']) }
  assert message.contains('credentialsId is not taken by diff')
}

check('a copy of the library that is not a release says to load one at a release tag') { ws ->
  String message = aborts { unreleased.call(deploy) }
  assert message.contains("load it at a release tag, @Library('tooljet-gitsync@v1.2.3')")
  assert !JenkinsSteps.calls.contains('sh')
}

check('useImage runs the pinned shell image as a Jenkins docker agent does, as a non-root uid') { ws ->
  Map result = released.call(deploy + [useImage: true])
  assert result.outcome == 'success'
  assert JenkinsSteps.calls.contains('docker.image.inside')
}

if (failures) {
  println "${failures} of ${workspaces} checks of the Jenkins step failed"
  System.exit(1)
}
println "all ${workspaces} checks of the Jenkins step passed"
