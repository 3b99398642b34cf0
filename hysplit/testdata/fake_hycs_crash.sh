#!/bin/bash
# TEST DOUBLE for hycs_std (not HYSPLIT): crashes with SIGSEGV.
echo " HYSPLIT version: fake test double (crash)"
ulimit -c 0
kill -SEGV $$
