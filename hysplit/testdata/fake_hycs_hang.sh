#!/bin/bash
# TEST DOUBLE for hycs_std (not HYSPLIT): hangs. It ignores SIGTERM, starts a
# child shell which starts a grandchild sleep (both inherit the ignored
# SIGTERM), writes their pids to hang.pids, and waits forever.
trap '' TERM
echo " HYSPLIT version: fake test double (hang)"
( sleep 300 & echo $! > grandchild.pid; wait ) &
echo $! > child.pid
while [ ! -s grandchild.pid ]; do sleep 0.01; done
echo "$$ $(cat child.pid) $(cat grandchild.pid)" > hang.pids.tmp && mv hang.pids.tmp hang.pids
while true; do sleep 1; done
