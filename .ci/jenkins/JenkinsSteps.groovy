// A stand-in for the Jenkins pipeline steps that vars/toolJetGitSync.groovy calls, as the base
// class of the step's script. No Jenkins can run here; this checks what can be checked without
// one: each step takes the parameters the real step takes and refuses any other, `sh` really
// runs its script (in the workspace, with the variables withEnv and withCredentials set, as an
// agent would), `error` aborts as it does, and docker.image(…).inside runs the image the way
// the Docker Pipeline plugin does: `run -t -d -u <uid>:<gid> -w <ws> -v <ws>:<ws> … cat`, then
// every `sh` inside it through `exec … sh -c`.
abstract class JenkinsSteps extends Script {
  static File workspace
  static Map<String, String> credentials = [:]
  static List<String> calls = []
  static List<String> scripts = []
  static StringBuilder log = new StringBuilder()
  static String container
  static List<List<String>> scopes = []

  static void reset(File ws, Map<String, String> secrets) {
    workspace = ws
    credentials = secrets
    calls = []
    scripts = []
    log = new StringBuilder()
    scopes = []
  }

  private static void takes(String step, Map args, List allowed) {
    calls << step
    Set unknown = args.keySet() - allowed
    if (unknown) {
      throw new IllegalArgumentException("${step} does not take ${unknown}; it takes ${allowed}")
    }
  }

  /** The variables the enclosing withEnv and withCredentials blocks set. */
  private static Map<String, String> scoped() {
    Map<String, String> vars = [:]
    scopes.each { scope ->
      scope.each { String pair ->
        int at = pair.indexOf('=')
        vars[pair.substring(0, at)] = pair.substring(at + 1)
      }
    }
    return vars
  }

  def sh(Map args) {
    takes('sh', args, ['script', 'returnStatus', 'returnStdout', 'label', 'encoding'])
    scripts << args.script
    Map<String, String> vars = scoped()
    List<String> command
    Map<String, String> environment
    if (container) {
      command = ['podman', 'exec', '-w', workspace.path] + vars.collect { k, v -> ['--env', "${k}=${v}".toString()] }.flatten() +
                [container, 'sh', '-c', args.script]
      environment = System.getenv()
    } else {
      command = ['sh', '-c', args.script]
      environment = [PATH: System.getenv('PATH'), HOME: System.getenv('HOME') ?: '/tmp', WORKSPACE: workspace.path] + vars
    }
    ProcessBuilder builder = new ProcessBuilder(command).directory(workspace)
    builder.environment().clear()
    builder.environment().putAll(environment)
    Process process = builder.start()
    StringBuilder out = new StringBuilder(), err = new StringBuilder()
    process.waitForProcessOutput(out, err)
    int status = process.exitValue()
    log.append(args.returnStdout ? '' : out).append(err)
    if (args.returnStatus) {
      return status
    }
    if (status != 0) {
      throw new AbortException("script returned exit code ${status}")
    }
    return args.returnStdout ? out.toString() : null
  }

  def withEnv(List<String> vars, Closure body) {
    calls << 'withEnv'
    vars.each { assert it.contains('='): "withEnv takes NAME=value strings, not ${it}" }
    scopes << vars.collect { it.toString() }
    try {
      return body()
    } finally {
      scopes.remove(scopes.size() - 1)
    }
  }

  def string(Map args) {
    takes('string', args, ['credentialsId', 'variable'])
    return [credentialsId: args.credentialsId, variable: args.variable]
  }

  def withCredentials(List bindings, Closure body) {
    calls << 'withCredentials'
    List<String> vars = bindings.collect { Map binding ->
      String secret = credentials[binding.credentialsId]
      if (secret == null) {
        throw new AbortException("Could not find credentials entry with ID '${binding.credentialsId}'")
      }
      "${binding.variable}=${secret}".toString()
    }
    return withEnv(vars, body)
  }

  def error(String message) {
    calls << 'error'
    throw new AbortException(message)
  }

  def fileExists(String path) {
    calls << 'fileExists'
    return new File(workspace, path).exists()
  }

  def readFile(Map args) {
    takes('readFile', args, ['file', 'encoding'])
    return new File(workspace, args.file).text
  }

  def pwd(Map args = [:]) {
    takes('pwd', args, ['tmp'])
    if (!args.tmp) {
      return workspace.path
    }
    File tmp = new File(workspace.path + '@tmp')
    tmp.mkdirs()
    return tmp.path
  }

  def getDocker() {
    return [image: { String name -> new Image(name) }]
  }

  /** docker.image(name): `inside` as the Docker Pipeline plugin runs it. */
  static class Image {
    final String name

    Image(String name) { this.name = name }

    def inside(Closure body) {
      JenkinsSteps.calls << 'docker.image.inside'
      String uid = ['id', '-u'].execute().text.trim(), gid = ['id', '-g'].execute().text.trim()
      // As an agent's uid: a non-root one when the agent runs as root here.
      if (uid == '0') { uid = '1000'; gid = '1000' }
      File workspace = JenkinsSteps.workspace
      workspace.setWritable(true, false)
      List<String> run = ['podman', 'run', '-t', '-d', '-u', "${uid}:${gid}".toString(), '--network', 'host',
                          '-w', workspace.path, '-v', "${workspace.path}:${workspace.path}:rw,z".toString(), name, 'cat']
      Process started = run.execute()
      StringBuilder out = new StringBuilder(), err = new StringBuilder()
      started.waitForProcessOutput(out, err)
      if (started.exitValue() != 0) {
        throw new AbortException("docker run ${name} failed: ${err}")
      }
      JenkinsSteps.container = out.toString().trim()
      try {
        return body()
      } finally {
        ['podman', 'rm', '-f', JenkinsSteps.container].execute().waitFor()
        JenkinsSteps.container = null
      }
    }
  }
}
