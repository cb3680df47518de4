// toolJetGitSync: one tooljet-gitsync-action operation as a Jenkins pipeline step.
//
//   @Library('tooljet-gitsync@v1.2.3') _
//   def result = toolJetGitSync(operation: 'deploy', tooljetUrl: 'https://tooljet.example.com',
//                               workspace: 'Acme', appName: 'Inventory', versionName: 'v3',
//                               credentialsId: 'tooljet-access-token')
//   echo "live: ${result.versionId}"
//
// Each argument is the action's input of the same name in camelCase (appName for app-name), a
// list for the inputs that take several values; vars/toolJetGitSync.txt lists them. Values
// reach the binary as INPUT_ environment variables, never through a shell command line. It runs
// the release's static binary, downloaded once per agent and checked against the sha256 that
// the release commit pinned below, or with useImage: true the release's shell image through
// docker.image(...).inside. The outputs come back as a map (camelCase keys, as the arguments);
// they are also in tooljet-gitsync-outputs.json in the workspace, for archiveArtifacts.
import groovy.transform.Field

// Pinned by the release commit (.ci/pin-other-ci); empty on main, which is not a release.
@Field static final String RELEASE = ''
@Field static final Map SHA256 = [:]
@Field static final String SHELL_IMAGE = ''

@Field static final String REPOSITORY = 'tooljet-gitsync-action/tooljet-gitsync-action'
@Field static final String OUTPUTS_FILE = 'tooljet-gitsync-outputs.json'
// The action's inputs but the two secrets, which come from credentials.
@Field static final List INPUTS = [
  'operation', 'tooljet-url', 'app-id', 'app-name', 'workspace', 'manifest', 'base-manifest', 'instance',
  'fail-on-drift', 'max-parallel', 'fail-fast',
  'dry-run', 'version-id', 'version-name', 'commit-message', 'organization-id', 'git-app-id',
  'git-app-name', 'git-branch', 'git-tag', 'git-url', 'branch-name', 'github-app-id',
  'github-app-installation-id', 'github-enterprise-url', 'github-enterprise-api-url',
  'timeout-seconds', 'connect-timeout-seconds', 'total-timeout-seconds', 'retries', 'if-exists',
  'if-saved', 'ca-certificate', 'insecure-skip-tls-verify', 'heartbeat-seconds',
  'allow-insecure-http',
]
// The step's own arguments, beside the inputs.
@Field static final List OWN = [
  'credentialsId', 'githubAppPrivateKeyCredentialsId', 'useImage', 'binary', 'downloadUrl',
  'propagate',
]

def call(Map args = [:]) {
  List problems = problemsWith(args)
  if (problems) {
    error("toolJetGitSync: ${problems.join('; ')}. Nothing was sent to ToolJet.")
  }
  int status = 0
  // Errors then name the step's camelCase arguments, not flags.
  withEnv(inputVariables(args) + ['TOOLJET_GITSYNC_CALLER=jenkins-step']) {
    if (readsFilesOnly(args)) {
      // diff: no credential is bound, so none is in reach of what runs.
      status = run(args)
    } else {
      withCredentials(credentialsOf(args)) {
        status = run(args)
      }
    }
  }
  Map outputs = readOutputs()
  if (status != 0 && args.propagate != false) {
    error("toolJetGitSync: ${outputs.operation ?: 'the operation'} ended with outcome ${outputs.outcome ?: 'failure'} " +
          "(exit ${status}); the log above says why. The outputs are in ${OUTPUTS_FILE}.")
  }
  return outputs
}

int run(Map args) {
  return args.useImage ? runInImage() : runBinary(binaryFor(args))
}

// The token, and the GitHub App's key when given, as the credentials to bind.
List credentialsOf(Map args) {
  List credentials = [string(credentialsId: args.credentialsId, variable: 'TOOLJET_ACCESS_TOKEN')]
  if (args.githubAppPrivateKeyCredentialsId) {
    credentials << string(credentialsId: args.githubAppPrivateKeyCredentialsId,
                          variable: 'INPUT_GITHUB_APP_PRIVATE_KEY')
  }
  return credentials
}

// diff reads two files and reaches no ToolJet: it takes no credential.
@NonCPS
static boolean readsFilesOnly(Map args) {
  return args.operation?.toString()?.trim() == 'diff'
}

// What is wrong with the arguments, checked before anything runs.
@NonCPS
List problemsWith(Map args) {
  List problems = []
  if (readsFilesOnly(args)) {
    ['credentialsId', 'githubAppPrivateKeyCredentialsId'].findAll { args[it] }.each {
      problems << "${it} is not taken by diff, which reads two files and sends nothing: leave it out, so that no credential is bound"
    }
  } else if (!args.credentialsId) {
    problems << 'credentialsId is required: the id of a Secret text credential that holds the ToolJet access token'
  }
  if (args.containsKey('accessToken')) {
    problems << 'accessToken is never an argument (it would be kept in the build\'s records): give credentialsId'
  }
  if (args.containsKey('githubAppPrivateKey')) {
    problems << 'githubAppPrivateKey is never an argument: give githubAppPrivateKeyCredentialsId'
  }
  args.keySet().findAll { !(it in OWN) && !(it in ['accessToken', 'githubAppPrivateKey']) && !(inputName(it) in INPUTS) }.each {
    problems << "${it} is not an argument of toolJetGitSync (see its help: the action's inputs in camelCase, and ${OWN.join(', ')})"
  }
  return problems
}

// appName -> app-name
@NonCPS
static String inputName(String argument) {
  return argument.replaceAll(/([A-Z])/) { all, letter -> "-${letter.toLowerCase()}" }
}

// INPUT_APP_NAME=Inventory for each input argument; a list becomes one value per line.
@NonCPS
List inputVariables(Map args) {
  return args.findAll { key, value -> inputName(key) in INPUTS && value != null }.collect { key, value ->
    String text = value instanceof Collection ? value.join('\n') : value.toString()
    "INPUT_${inputName(key).toUpperCase().replace('-', '_')}=${text}".toString()
  }
}

int runBinary(String binary) {
  return withEnv(["TOOLJET_GITSYNC_BINARY=${binary}"]) {
    sh(script: '"$TOOLJET_GITSYNC_BINARY" > ' + OUTPUTS_FILE, returnStatus: true)
  }
}

int runInImage() {
  if (!SHELL_IMAGE) {
    error("toolJetGitSync: this copy of the library is not a release, so it names no image: load it at a " +
          "release tag, @Library('tooljet-gitsync@v1.2.3')")
  }
  int status = 0
  docker.image(SHELL_IMAGE).inside {
    status = sh(script: 'tooljet-gitsync-action > ' + OUTPUTS_FILE, returnStatus: true)
  }
  return status
}

// The binary to run: the one given, or the release's, downloaded once into the agent's temporary
// directory and checked against the sha256 this release pinned.
String binaryFor(Map args) {
  if (args.binary) {
    return args.binary
  }
  if (!RELEASE) {
    error("toolJetGitSync: this copy of the library is not a release, so it pins no binary: load it at a " +
          "release tag, @Library('tooljet-gitsync@v1.2.3'), or give binary: with the path of one you installed")
  }
  String machine = sh(script: 'uname -m', returnStdout: true).trim()
  String arch = [x86_64: 'amd64', amd64: 'amd64', aarch64: 'arm64', arm64: 'arm64'][machine]
  if (!arch || !SHA256[arch]) {
    error("toolJetGitSync: ${RELEASE} has no binary for this agent's architecture (${machine}); use useImage: true")
  }
  String name = "tooljet-gitsync-action-linux-${arch}"
  String base = args.downloadUrl ?: "https://github.com/${REPOSITORY}/releases/download/${RELEASE}"
  String file = "${pwd(tmp: true)}/${name}-${RELEASE}"
  withEnv(["URL=${base}/${name}", "FILE=${file}", "SHA256=${SHA256[arch]}"]) {
    sh(script: '''
      set -eu
      if ! echo "$SHA256  $FILE" | sha256sum -c --status 2>/dev/null; then
        curl -fsSL --retry 3 -o "$FILE.part" "$URL"
        if ! echo "$SHA256  $FILE.part" | sha256sum -c --status; then
          rm -f "$FILE.part"
          echo "toolJetGitSync: $URL does not have the sha256 this release pinned ($SHA256); not run" >&2
          exit 1
        fi
        chmod 755 "$FILE.part"
        mv "$FILE.part" "$FILE"
      fi
    ''')
  }
  return file
}

// The outputs' JSON as a map with camelCase keys: http-status -> httpStatus.
Map readOutputs() {
  if (!fileExists(OUTPUTS_FILE)) {
    return [:]
  }
  return camelCased(readFile(file: OUTPUTS_FILE))
}

@NonCPS
static Map camelCased(String json) {
  Map parsed = json.trim() ? new groovy.json.JsonSlurperClassic().parseText(json) : [:]
  return parsed.collectEntries { key, value ->
    [(key.replaceAll(/-([a-z])/) { all, letter -> letter.toUpperCase() }): value]
  }
}
