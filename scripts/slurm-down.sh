#!/usr/bin/env bash
# slurm-down.sh - stop the cluster started by scripts/slurm-up.sh, by PID file only
# (never by process name, so other clusters on the same machine are left alone).
#
# Usage:  scripts/slurm-down.sh [--purge] [BASE]
#   BASE     base directory (default $SLURM_BASE, else /tmp/stilt-slurm)
#   --purge  also remove BASE afterwards (only if slurm-up.sh created it)
# Idempotent: stopping a cluster that is not running succeeds.
set -uo pipefail
PURGE=0
if [ "${1:-}" = --purge ]; then PURGE=1; shift; fi
BASE=${1:-${SLURM_BASE:-/tmp/stilt-slurm}}
MARK=.stilt-slurm-base
T0=$(date +%s%N)
el() { local ms=$(( ($(date +%s%N) - T0) / 1000000 )); printf '%d.%03ds' $((ms/1000)) $((ms%1000)); }
export SLURM_CONF="$BASE/etc/slurm.conf"

# alive: the process exists and is not a zombie (without an init that reaps
# promptly, stopped daemons linger as zombies and kill -0 still succeeds)
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1; [[ $st != Z* ]]; }

# cancel remaining jobs so that no job step outlives slurmd
if [ -f "$BASE/run/slurmctld.pid" ] && alive "$(cat "$BASE/run/slurmctld.pid")"; then
  timeout 10 scancel --user="$(id -un)" >/dev/null 2>&1 || true
  echo "[slurm-down $(el)] jobs cancelled"
fi
stop() {  # name
  local f="$BASE/run/$1.pid" pid
  [ -f "$f" ] || { echo "[slurm-down $(el)] $1: not running (no pid file)"; return; }
  pid=$(cat "$f")
  if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid"; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then echo "[slurm-down $(el)] $1: pid $pid ignored TERM, sending KILL"; kill -KILL "$pid"; fi
    echo "[slurm-down $(el)] $1: stopped pid $pid"
  else
    echo "[slurm-down $(el)] $1: pid $pid not running"
  fi
  rm -f "$f"
}
stop slurmd
stop slurmctld
stop munged
# slurmctld children (slurmscriptd) exit with it; report anything left that was started from $BASE
left=$(ps -eo pid=,stat=,args= | grep -F "$BASE/etc/slurm.conf" | grep -v -e grep -e ' Z' || true)
[ -n "$left" ] && echo "[slurm-down $(el)] still running: $left"
if [ $PURGE = 1 ] && [ -f "$BASE/$MARK" ]; then
  rm -rf "$BASE" && echo "[slurm-down $(el)] removed $BASE"
fi
exit 0
