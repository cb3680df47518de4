import java.lang.annotation.Retention
import java.lang.annotation.RetentionPolicy

// Jenkins' @Library('name@version') (org.jenkinsci.plugins.workflow.libs.Library), which
// Jenkins imports into every Jenkinsfile; here only so that a Jenkinsfile parses.
@Retention(RetentionPolicy.SOURCE)
@interface Library {
  String[] value()
}
