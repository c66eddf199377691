#!/usr/bin/env bash
# Records the captures of this directory: real Turms traffic between `turms-wire probe` (or the
# two clients of `turms-wire demo`) and the mock gateway, on loopback. Needs root (or capture
# rights), tcpdump, dumpcap (Debian: tcpdump, wireshark-common) and curl. Not run by the tests;
# they read the files.
#
#   cargo build --release && tests/data/captures/record.sh            # every capture
#   cargo build --release && tests/data/captures/record.sh tls-lo     # some, by name
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
bin="${TURMS_WIRE:-$here/../../../target/release/turms-wire}"
filter='tcp port 11510 or tcp port 10510'
pids=()

stop_all() {
    for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    pids=()
}
trap stop_all EXIT

gateway() { # gateway ARGS...: a mock gateway, stopped by stop_all
    "$bin" gateway "$@" >/dev/null 2>&1 &
    pids+=($!)
    sleep 1
}

probe() { # probe URL USER: log in, send one message, log out
    "$bin" probe --server "$1" --user "$2" --password 123 --to 2 --text "hi from $2" >/dev/null
}

record() { # record FILE TOOL-ARGS...: start a capture, stopped by stop_all
    local file="$1"
    shift
    "$@" -w "$here/$file" 2>/dev/null &
    pids+=($!)
    sleep 2
}

# 1. TCP over IPv4, Ethernet link type (lo), pcap with microseconds.
tcp-ipv4-lo() {
    record tcp-ipv4-lo.pcap tcpdump -i lo --immediate-mode -U "$filter"
    gateway --tcp 127.0.0.1:11510
    probe tcp://127.0.0.1:11510 1
}

# 2. WebSocket over IPv6, Ethernet link type (lo), pcap with nanoseconds.
ws-ipv6-lo-nano() {
    record ws-ipv6-lo-nano.pcap tcpdump -i lo --immediate-mode -U --time-stamp-precision nano "$filter"
    gateway --ws '[::1]:10510'
    probe 'ws://[::1]:10510' 1
}

# 3. TCP over IPv6 on the "any" device as Linux SLL (v1).
tcp-ipv6-any-sll() {
    record tcp-ipv6-any-sll.pcap tcpdump -i any -y LINUX_SLL --immediate-mode -U "$filter"
    gateway --tcp '[::1]:11510'
    probe 'tcp://[::1]:11510' 3
}

# 4. WebSocket over IPv4 on the "any" device as Linux SLL2.
ws-ipv4-any-sll2() {
    record ws-ipv4-any-sll2.pcap tcpdump -i any -y LINUX_SLL2 --immediate-mode -U "$filter"
    gateway --ws 127.0.0.1:10510
    probe ws://127.0.0.1:10510 4
}

# 5. pcapng from dumpcap on two interfaces at once (lo: Ethernet, any: SLL), so every packet
#    is captured twice; TCP and WebSocket, IPv4 and IPv6.
both-lo-any() {
    record both-lo-any.pcapng dumpcap -q -i lo -i any -f "$filter"
    gateway --tcp 127.0.0.1:11510 --ws '[::1]:10510'
    probe tcp://127.0.0.1:11510 5
    probe 'ws://[::1]:10510' 6
}

# 6. `turms-wire demo` (its own mock gateway and two clients: alice over TCP/IPv4, bob over
#    WebSocket/IPv6; two logins, a message and its push, a refused profile query, a heartbeat,
#    two logouts), pcapng from dumpcap on lo.
demo-lo() {
    record demo-lo.pcapng dumpcap -q -i lo -f "$filter"
    "$bin" demo --tcp 127.0.0.1:11510 --ws '[::1]:10510' >/dev/null
}

# 7. The same story the other way round (TCP over IPv6, WebSocket over IPv4), pcapng from
#    dumpcap on the "any" device as Linux SLL2.
demo-any-sll2() {
    record demo-any-sll2.pcapng dumpcap -q -i any -y LINUX_SLL2 -f "$filter"
    "$bin" demo --tcp '[::1]:11510' --ws 127.0.0.1:10510 >/dev/null
}

# 8. A TLS client (curl) on the TCP port of the mock gateway, which reads its ClientHello as a
#    frame and drops the connection; then a plain probe on the same port.
tls-lo() {
    record tls-lo.pcap tcpdump -i lo --immediate-mode -U "$filter"
    gateway --tcp 127.0.0.1:11510
    curl -sk --max-time 2 https://127.0.0.1:11510/ >/dev/null || true
    probe tcp://127.0.0.1:11510 7
}

all=(tcp-ipv4-lo ws-ipv6-lo-nano tcp-ipv6-any-sll ws-ipv4-any-sll2 both-lo-any demo-lo demo-any-sll2 tls-lo)
for name in "${@:-${all[@]}}"; do
    "$name"
    sleep 1
    stop_all
done
