#!/usr/bin/env bash
# Records the captures of this directory: real Turms traffic between `turms-wire probe` and the
# mock gateway `turms-wire gateway`, on loopback. Needs root (or capture rights), tcpdump, and
# dumpcap (Debian: tcpdump, wireshark-common). Not run by the tests; they read the files.
#
#   cargo build --release && tests/data/captures/record.sh
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
record tcp-ipv4-lo.pcap tcpdump -i lo --immediate-mode -U "$filter"
gateway --tcp 127.0.0.1:11510
probe tcp://127.0.0.1:11510 1
sleep 1; stop_all

# 2. WebSocket over IPv6, Ethernet link type (lo), pcap with nanoseconds.
record ws-ipv6-lo-nano.pcap tcpdump -i lo --immediate-mode -U --time-stamp-precision nano "$filter"
gateway --ws '[::1]:10510'
probe 'ws://[::1]:10510' 1
sleep 1; stop_all

# 3. TCP over IPv6 on the "any" device as Linux SLL (v1).
record tcp-ipv6-any-sll.pcap tcpdump -i any -y LINUX_SLL --immediate-mode -U "$filter"
gateway --tcp '[::1]:11510'
probe 'tcp://[::1]:11510' 3
sleep 1; stop_all

# 4. WebSocket over IPv4 on the "any" device as Linux SLL2.
record ws-ipv4-any-sll2.pcap tcpdump -i any -y LINUX_SLL2 --immediate-mode -U "$filter"
gateway --ws 127.0.0.1:10510
probe ws://127.0.0.1:10510 4
sleep 1; stop_all

# 5. pcapng from dumpcap on two interfaces at once (lo: Ethernet, any: SLL2), so every
#    packet is captured twice; TCP and WebSocket, IPv4 and IPv6.
record both-lo-any.pcapng dumpcap -q -i lo -i any -f "$filter"
gateway --tcp 127.0.0.1:11510 --ws '[::1]:10510'
probe tcp://127.0.0.1:11510 5
probe 'ws://[::1]:10510' 6
sleep 1; stop_all
