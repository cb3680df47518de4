// What Jenkins' `error` step and a failed `sh` throw (hudson.AbortException): the build fails
// with this message and no stack trace.
class AbortException extends RuntimeException {
  AbortException(String message) { super(message) }
}
