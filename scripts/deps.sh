#!/usr/bin/env bash
# Install the system libraries stilt-mpi needs, only those that are missing.
# On a cluster, MPI and netCDF usually come from environment modules: this
# script checks pkg-config first and installs nothing that is already found.
set -euo pipefail

need=()
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

have_cmd pkg-config || need+=(pkg-config)
have_pc ompi-c || need+=(libopenmpi-dev)
have_cmd mpirun || need+=(openmpi-bin)
have_pc netcdf || need+=(libnetcdf-dev)
have_cmd ncdump || need+=(netcdf-bin)
have_pc sqlite3 || need+=(libsqlite3-dev)
# Node.js/npm: the object-store tests run the npm package s3rver on loopback
if [ "${STILT_NO_S3:-}" != 1 ]; then
  command -v npm >/dev/null 2>&1 || need+=(npm)
fi
# PostgreSQL server (service-mode registry tests start their own, on loopback)
if [ "${STILT_NO_POSTGRES:-}" != 1 ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
fi
if [ "${STILT_NO_SLURM:-}" != 1 ]; then
  have_cmd slurmctld || need+=(slurm-wlm)
  have_cmd munged || need+=(munge)
fi

if [ ${#need[@]} -eq 0 ]; then
  echo "deps: all present"
  exit 0
fi
echo "deps: missing ${need[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  echo "deps: installed ${need[*]}"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && command -v apt-get >/dev/null 2>&1; then
  sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  echo "deps: installed ${need[*]}"
else
  cat >&2 <<MSG
deps: cannot install ${need[*]} (not root, no apt-get).
On a cluster, load the environment modules that provide them, for example:
  module load openmpi netcdf-c sqlite
so that 'pkg-config --exists ompi-c netcdf sqlite3' succeeds, then re-run.
MSG
  exit 1
fi
