#!/usr/bin/env bash
# Distributed training with torchrun on mmengine's runtime (DDP):
#   bash tools/dist_train.sh CONFIG NUM_PROCESSES [train.py options]
# One process per GPU; on a machine without CUDA the processes use gloo on
# the CPU. PORT (default 29500) sets the rendezvous port.
set -euo pipefail
CONFIG=$1
NPROC=$2
shift 2
exec python -m torch.distributed.run --nproc_per_node="$NPROC" \
    --master_port="${PORT:-29500}" "$(dirname "$0")/train.py" "$CONFIG" \
    --launcher pytorch "$@"
