#!/bin/bash
# TEST DOUBLE for hycs_std (not HYSPLIT): claims success, writes no particle file.
echo " HYSPLIT version: fake test double"
echo " Complete Hysplit"
