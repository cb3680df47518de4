//! The files the action writes: `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY`, appended to, and the
//! dotenv report (`TOOLJET_DOTENV`), written afresh. The action runs as root in containers and
//! CI jobs, where a variable may name anything, so it writes only to a regular file or where
//! nothing is yet: a device is never opened (as root, `/dev/full` was once replaced by a
//! report, and opening `/dev/watchdog` alone arms it), a FIFO never waited on, a directory or
//! socket never replaced, a symbolic link never followed nor replaced, and a file with another
//! hard link never appended to. Anything else is an error that says what the path holds.

use std::fs::{Metadata, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

/// Appends `text` to the regular file at `path`, made if there is none.
pub fn append(path: &Path, text: &str) -> io::Result<()> {
    let before = looked_at(path)?;
    // What is at the path may change between the look and the open: the open follows no link
    // and waits on no FIFO, and what it opened is looked at again before a byte is written.
    let mut file = OpenOptions::new()
        .append(true)
        .create(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|err| looked_at(path).err().unwrap_or(err))?;
    let opened = file.metadata()?;
    refuse_unless_regular(&opened)?;
    if opened.nlink() > 1 {
        return Err(refused(
            "a file with another hard link, which would be written too",
        ));
    }
    if before.is_some_and(|before| (before.dev(), before.ino()) != (opened.dev(), opened.ino())) {
        return Err(refused("another file than a moment before"));
    }
    file.write_all(text.as_bytes())
}

/// Writes `text` as the whole file at `path` (one run's report, not appended to an earlier
/// run's), through a new file renamed over it: a reader never sees half a file, and a link at
/// `path` is never written through.
pub fn replace(path: &Path, text: &str) -> io::Result<()> {
    // Between this look and the rename, only someone allowed to make entries in the directory
    // can put something else at `path`; what they put there, they could remove themselves (a
    // device needs root to make).
    looked_at(path)?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let fresh = path.with_file_name(format!(".{name}.{:016x}", crate::random::u64()));
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&fresh)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .and_then(|()| std::fs::rename(&fresh, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&fresh);
    }
    written
}

/// Whether `path` can be written as the action writes: a regular file, or nothing yet in a
/// directory that exists. Checked before any request, so that outputs are never lost after
/// ToolJet acted.
pub fn writable(path: &Path) -> io::Result<()> {
    if looked_at(path)?.is_some() {
        return Ok(());
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    match std::fs::metadata(dir) {
        Ok(found) if found.is_dir() => Ok(()),
        Ok(_) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "its directory is not a directory",
        )),
        Err(err) => Err(io::Error::new(
            err.kind(),
            format!("its directory cannot be used: {err}"),
        )),
    }
}

/// What is at `path`, not following a link: `None` where nothing is, an error for anything but
/// a regular file.
fn looked_at(path: &Path) -> io::Result<Option<Metadata>> {
    match std::fs::symlink_metadata(path) {
        Ok(found) => refuse_unless_regular(&found).map(|()| Some(found)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

fn refuse_unless_regular(found: &Metadata) -> io::Result<()> {
    let kind = found.file_type();
    let what = if kind.is_file() {
        return Ok(());
    } else if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    Err(refused(what))
}

/// The error for a path that holds `what`, not a regular file the action may write.
fn refused(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "this is {what}; the action writes only to a regular file, or where nothing is yet, \
             and left it untouched"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A FIFO made in `dir`, as `mkfifo` makes one.
    fn fifo(dir: &Path) -> PathBuf {
        let path = dir.join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        path
    }

    /// Every kind of path the action must not write, made in `dir`, each with what the error
    /// calls it. A character device is made too where the test may (as root): a copy of
    /// `/dev/null`'s node in `dir`, harmless whatever a regression did to it.
    fn not_regular(dir: &Path) -> Vec<(PathBuf, &'static str)> {
        let fifo = fifo(dir);
        let link = dir.join("link-to-fifo");
        std::os::unix::fs::symlink(&fifo, &link).unwrap();
        let socket = dir.join("socket");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        let directory = dir.join("directory");
        std::fs::create_dir(&directory).unwrap();
        let mut kinds = vec![
            (fifo, "a FIFO"),
            (link, "a symbolic link"),
            (socket, "a socket"),
            (directory, "a directory"),
        ];
        let device = dir.join("null");
        if std::process::Command::new("mknod")
            .arg(&device)
            .args(["c", "1", "3"])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|made| made.success())
        {
            kinds.push((device, "a character device"));
        }
        kinds
    }

    fn kind(path: &Path) -> std::fs::FileType {
        std::fs::symlink_metadata(path).unwrap().file_type()
    }

    #[test]
    fn nothing_but_a_regular_file_is_appended_to_or_replaced_and_each_is_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        for (path, what) in not_regular(dir.path()) {
            let was = kind(&path);
            for write in [append, replace] {
                let err = write(&path, "TOOLJET_GITSYNC_OUTCOME=success\n").unwrap_err();
                assert!(
                    err.to_string().starts_with(&format!("this is {what};")),
                    "{}: {err}",
                    path.display()
                );
                assert_eq!(kind(&path), was, "{} left as it was", path.display());
            }
        }
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .filter(|name| name.to_string_lossy().starts_with('.'))
            .collect();
        assert!(left.is_empty(), "no temporary file is left: {left:?}");
    }

    #[test]
    fn a_symbolic_link_to_a_regular_file_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "kept").unwrap();
        let path = dir.path().join("out.env");
        std::os::unix::fs::symlink(&target, &path).unwrap();
        assert!(append(&path, "x").is_err());
        assert!(replace(&path, "x").is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "kept");
        assert!(kind(&path).is_symlink());
    }

    #[test]
    fn a_file_with_another_hard_link_is_not_appended_to() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "kept").unwrap();
        let path = dir.path().join("output");
        std::fs::hard_link(&target, &path).unwrap();
        let err = append(&path, "x").unwrap_err();
        assert!(err.to_string().contains("another hard link"), "{err}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "kept");
    }

    #[test]
    fn a_regular_file_is_appended_to_and_an_absent_one_made() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output");
        append(&path, "a\n").unwrap();
        append(&path, "b\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a\nb\n");
    }

    #[test]
    fn a_regular_file_is_replaced_whole_and_an_absent_one_made() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.env");
        replace(&path, "first\n").unwrap();
        replace(&path, "second\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
