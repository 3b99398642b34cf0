#!/usr/bin/env bash
# slurm-up.sh - bring up a single-node SLURM cluster (munged + slurmctld + slurmd)
# on one Debian 12 machine, as root, without systemd and without cgroups.
# Used by the integration tests (slurm/slurmtest) and for trying stilt-mpi's
# SLURM modes on a workstation. Everything (config, munge key and socket, state,
# logs, PID files) lives under one base directory.
#
# Usage:  eval "$(scripts/slurm-up.sh [BASE])"      # exports SLURM_CONF
#   BASE            base directory (default $SLURM_BASE, else /tmp/stilt-slurm)
#   SLURM_CPUS      CPUs declared for the node (default nproc; may exceed the
#                   real cores thanks to SlurmdParameters=config_overrides)
#   SLURM_NODE      node name (default localhost; slurmd is started with -N)
#   SLURM_CTLD_PORT, SLURM_SLURMD_PORT   ports (default 6817, 6818)
#   SLURM_INSTALL=1 install slurmctld/slurmd/munge with apt-get when missing
#
# Idempotent: when a cluster started from BASE is already up, it prints the
# export line again and exits 0. Stdout carries only the line
#   export SLURM_CONF=<BASE>/etc/slurm.conf
# progress messages go to stderr. Stop with scripts/slurm-down.sh [BASE].
set -euo pipefail
BASE=${1:-${SLURM_BASE:-/tmp/stilt-slurm}}
NCPUS=${SLURM_CPUS:-$(nproc)}
NODE=${SLURM_NODE:-localhost}
CTLD_PORT=${SLURM_CTLD_PORT:-6817}
SLURMD_PORT=${SLURM_SLURMD_PORT:-6818}
MARK=.stilt-slurm-base   # marks a directory this script created (safe to wipe)
T0=$(date +%s%N)
say() { local ms=$(( ($(date +%s%N) - T0) / 1000000 )); printf '[slurm-up %d.%03ds] %s\n' $((ms/1000)) $((ms%1000)) "$*" >&2; }
die() { echo "slurm-up: $*" >&2; exit 1; }

case "$BASE" in /*) ;; *) BASE="$(pwd)/$BASE" ;; esac
[[ $NCPUS =~ ^[1-9][0-9]*$ ]] || die "SLURM_CPUS must be a positive integer, got '$NCPUS'"
[[ $CTLD_PORT =~ ^[0-9]+$ && $SLURMD_PORT =~ ^[0-9]+$ ]] || die "ports must be integers"
# munge's socket path must fit in sun_path (108 bytes)
[ ${#BASE} -le 80 ] || die "base directory path too long for the munge socket (${#BASE} > 80 chars): $BASE"
[ "$(id -u)" -eq 0 ] || die "must run as root (SlurmUser=root, munged as root)"

# 1. packages
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  [ "${SLURM_INSTALL:-}" = 1 ] || die "slurmctld, slurmd or munged not found; install slurm-wlm and munge (or set SLURM_INSTALL=1)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >&2
fi
say "packages present: $(slurmctld -V) $(munged -V 2>&1 | awk '{print $1}')"

CONF="$BASE/etc/slurm.conf"
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1; [[ $st != Z* ]]; }

# 2. already running from this base? then report it and stop here (idempotent)
if [ -d "$BASE/run" ]; then
  up=0; down=0
  for d in munged slurmctld slurmd; do
    f="$BASE/run/$d.pid"
    if [ -f "$f" ] && alive "$(cat "$f")"; then up=$((up+1)); else down=$((down+1)); fi
  done
  if [ $up -eq 3 ] && SLURM_CONF="$CONF" scontrol ping 2>/dev/null | grep -q 'is UP'; then
    say "already running from $BASE"
    echo "export SLURM_CONF=$CONF"
    exit 0
  fi
  [ $up -eq 0 ] || die "a partial cluster is running from $BASE ($up of 3 daemons); run scripts/slurm-down.sh $BASE first"
fi

# 3. fresh base directory; only wipe what this script created
if [ -e "$BASE" ]; then
  if [ -f "$BASE/$MARK" ]; then
    rm -rf "$BASE"
  elif [ -n "$(ls -A "$BASE" 2>/dev/null)" ]; then
    die "$BASE exists, is not empty and was not created by slurm-up.sh; choose another base"
  fi
fi
mkdir -p "$BASE"/{etc,munge,run,log,tmp,state/ctld,state/d}
touch "$BASE/$MARK"
chmod 755 "$BASE" "$BASE/munge"   # clients of any user need x on the socket dir

# 4. munge: private key + socket under $BASE, daemon runs as root
dd if=/dev/urandom of="$BASE/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$BASE/munge/munge.key"
MSOCK="$BASE/munge/munge.socket.2"
munged --force --key-file="$BASE/munge/munge.key" --socket="$MSOCK" \
       --pid-file="$BASE/run/munged.pid" --log-file="$BASE/log/munged.log" \
       --seed-file="$BASE/munge/munged.seed"
for _ in $(seq 1 50); do munge -S "$MSOCK" -n 2>/dev/null | unmunge -S "$MSOCK" >/dev/null 2>&1 && break; sleep 0.1; done
munge -S "$MSOCK" -n | unmunge -S "$MSOCK" >/dev/null || die "munge credential round trip failed; see $BASE/log/munged.log"
say "munged up pid=$(cat "$BASE/run/munged.pid")"

# 5. slurm.conf (orchestration spec §5.4)
cat > "$CONF.tmp" <<EOF
ClusterName=ci
SlurmctldHost=$NODE
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
AuthInfo=socket=$MSOCK
CredType=cred/munge
StateSaveLocation=$BASE/state/ctld
SlurmdSpoolDir=$BASE/state/d
# mpi/pmix puts its per-step dirs (spmix_appdir_*) under TmpFS (default /tmp)
TmpFS=$BASE/tmp
SlurmctldPidFile=$BASE/run/slurmctld.pid
SlurmdPidFile=$BASE/run/slurmd.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# no cgroups anywhere
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# no slurmdbd: sacct does not work; completed jobs are appended to a text file
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$BASE/log/jobcomp.txt
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
ReturnToService=2
SlurmdParameters=config_overrides
MinJobAge=600
KillWait=5
InactiveLimit=0
MailProg=/bin/true
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$NCPUS RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
mv "$CONF.tmp" "$CONF"
echo "export SLURM_CONF=$CONF" > "$BASE/env.sh"
export SLURM_CONF="$CONF"

# 6. daemons (they daemonize themselves and write their own PID files)
slurmctld -f "$CONF"
for _ in $(seq 1 100); do scontrol ping 2>/dev/null | grep -q 'is UP' && break; sleep 0.1; done
scontrol ping 2>/dev/null | grep -q 'is UP' || { tail -20 "$BASE/log/slurmctld.log" >&2; die "slurmctld did not come up; see $BASE/log/slurmctld.log"; }
say "slurmctld up pid=$(cat "$BASE/run/slurmctld.pid")"
slurmd -f "$CONF" -N "$NODE"
st=
for _ in $(seq 1 200); do
  st=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
  [ "$st" = idle ] && break; sleep 0.1
done
[ "$st" = idle ] || { tail -20 "$BASE/log/slurmd.log" >&2; die "node state '$st'; see $BASE/log/slurmd.log"; }
say "slurmd up pid=$(cat "$BASE/run/slurmd.pid"); node $NODE idle with $NCPUS CPUs"
echo "export SLURM_CONF=$CONF"
