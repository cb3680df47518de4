# Shared by the .ci scripts that start servers on loopback: source it, do not run it.

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits for a condition, one tenth of a second at a time, for at most 30 s.
wait_for() {
  local tries=300
  until "$@"; do
    ((--tries)) || { echo "$(basename "$0"): gave up waiting for: $*" >&2; return 1; }
    sleep 0.1
  done
}
