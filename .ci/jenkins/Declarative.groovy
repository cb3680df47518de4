// A stand-in for Jenkins' Declarative Pipeline, as the base class of an example Jenkinsfile, on
// top of the stand-in steps (JenkinsSteps.groovy). No Jenkins can run here; this runs what an
// example's pipeline says the way Declarative does, for one build: the stages in order, each
// `when` judged against the build's branch, tag and cause, `environment` exported to `sh`,
// `post { always }` at the end; the steps the examples use (git, echo, lock, timeout, input,
// unstable, archiveArtifacts, script) recorded so that a check can ask what ran, under which
// lock, inside which timeout, with which credential. The shared-library step
// `toolJetGitSync` is the library's own script, run with `binary:` set to the binary under
// test (as a release's copy runs the binary it pins) and every `tooljetUrl` pointed at the
// fake ToolJet. What the CPS transform would refuse is not checked.
abstract class Declarative extends JenkinsSteps {
  /** The build: its branch, tag, cause, pull request target, and what the checks read. */
  static Map<String, String> build = [:]
  static def library
  static String binary
  /** Where every instance the examples name is: the fake ToolJet. */
  static String tooljetUrl
  /** The repository `git` checks out, and the stages that ran. */
  static File repository
  static List<String> stagesRun = []
  static List<String> locks = []
  static int timeouts = 0
  /** Each call of the step: its arguments, the locks held and whether a timeout was open. */
  static List<Map> stepCalls = []
  static List<Map> approvals = []
  static String result = 'SUCCESS'
  static List<String> messages = []
  static Map<String, String> environment = [:]

  static void begin(File ws, Map<String, String> secrets, Map<String, String> theBuild) {
    reset(ws, secrets)
    build = theBuild
    stagesRun = []
    locks = []
    timeouts = 0
    stepCalls = []
    approvals = []
    result = 'SUCCESS'
    messages = []
    environment = [:]
  }

  /** `@Library('…') _`: the underscore is a name Jenkins binds; here it means nothing. */
  def get_() { return null }

  Map getEnv() {
    return [BRANCH_NAME: build.branch, TAG_NAME: build.tag, CHANGE_TARGET: build.changeTarget] + environment
  }

  def pipeline(Closure body) {
    PipelineSpec spec = Block.run(body, new PipelineSpec())
    environment = spec.environment
    scopes << environment.collect { k, v -> "${k}=${v}".toString() }
    try {
      for (StageSpec stage in spec.stages) {
        if (stage.when == null || stage.when.call()) {
          stagesRun << stage.name
          runSteps(stage.steps)
        }
      }
    } finally {
      spec.always.each { runSteps(it) }
      scopes.remove(scopes.size() - 1)
    }
  }

  void runSteps(Closure steps) { Block.run(steps, this) }

  def script(Closure body) { runSteps(body) }

  def sh(String script) { sh(script: script) }

  def echo(String message) {
    calls << 'echo'
    log.append(message).append('\n')
  }

  def git(Map args) {
    takes('git', args, ['url', 'branch', 'credentialsId', 'changelog', 'poll'])
    sh(script: "git clone --quiet --branch '${args.branch}' '${repository.path}' .".toString())
  }

  def lock(String resource, Closure body) {
    calls << 'lock'
    locks << resource
    try {
      return body()
    } finally {
      locks.remove(locks.size() - 1)
    }
  }

  def timeout(Map args, Closure body) {
    takes('timeout', args, ['time', 'unit', 'activity'])
    timeouts++
    try {
      return body()
    } finally {
      timeouts--
    }
  }

  def input(Map args) {
    takes('input', args, ['message', 'ok', 'submitter', 'parameters', 'id'])
    approvals << [message: args.message, timeout: timeouts > 0]
    return null // approved
  }

  def unstable(String message) {
    calls << 'unstable'
    result = 'UNSTABLE'
    messages << message
  }

  def archiveArtifacts(Map args) {
    takes('archiveArtifacts', args, ['artifacts', 'allowEmptyArchive', 'fingerprint'])
  }

  def toolJetGitSync(Map args) {
    stepCalls << [args: args, locks: new ArrayList(locks), timeout: timeouts > 0]
    Map pointed = args.tooljetUrl ? args + [tooljetUrl: tooljetUrl] : args
    return library.call(pointed + [binary: binary])
  }
}

/** `pipeline { … }` */
class PipelineSpec {
  Map<String, String> environment = [:]
  List<StageSpec> stages = []
  List<Closure> always = []

  def getAny() { return 'any' }
  def agent(Object any) {}
  def options(Closure body) { Block.run(body, new Recorder()) }
  def triggers(Closure body) { Block.run(body, new Recorder()) }

  def environment(Closure body) { environment.putAll(Block.run(body, new EnvironmentBlock()).values) }
  def stages(Closure body) { Block.run(body, this) }
  def stage(String name, Closure body) { stages << Block.run(body, new StageSpec(name: name)) }
  def post(Closure body) { always.addAll(Block.run(body, new PostBlock()).always) }
}

/** `environment { NAME = 'value' }` */
class EnvironmentBlock {
  Map<String, String> values = [:]

  void propertyMissing(String name, Object value) { values[name] = value.toString() }
}

/** `post { always { … } }` */
class PostBlock {
  List<Closure> always = []

  def always(Closure steps) { always << steps }
}

/** `stage('…') { when { … } steps { … } }` */
class StageSpec {
  String name
  Closure when
  Closure steps

  def getAny() { return 'any' }
  def agent(Object any) {}
  def when(Closure body) {
    this.when = { -> Block.run(body, new Condition()).holds() }
  }
  def steps(Closure body) { this.steps = body }
}

/** A `when` block: every condition in it must hold. */
class Condition {
  List<Boolean> found = []

  boolean holds() { found.every() }
  def branch(String name) { found << (Declarative.build.branch == name) }
  def buildingTag() { found << (Declarative.build.tag != null) }
  def triggeredBy(String cause) { found << (Declarative.build.cause == cause) }
  def not(Closure body) { found << !Block.run(body, new Condition()).holds() }
}

/** A block of the pipeline's DSL: its words are the delegate's methods, which it returns. */
class Block {
  static <T> T run(Closure body, T delegate) {
    body.delegate = delegate
    body.resolveStrategy = Closure.DELEGATE_FIRST
    body()
    return delegate
  }
}

/** `options` and `triggers`: recorded as written, nothing more. */
class Recorder {
  def methodMissing(String name, Object args) { JenkinsSteps.calls << name }
}
