#!/usr/bin/env bash
# Retrain the bundled default model (siamban_lite0) exactly as shipped. Run from the repository root after
#   pip install -e ".[train]"
# Needs ../shared/data/sequences (the train-role real sequences; val/heldout ones are never read) and about 2 GB of
# disk for the generated sequences. On 2 CPU cores the training takes about 75 minutes.
set -euo pipefail
# 1. 240 generated sequences (seeds 0-239), the same ones the shipped model saw.
siamban synth work_data/synthetic_train --count 160 --seed 0 --width 320 --height 240 --length 150 \
    --distractors 2 --occlusions 1 --full-occlusions 1 --exits 1
siamban synth work_data/synthetic_train --count 80 --seed 160 --width 640 --height 360 --length 150 \
    --distractors 3 --occlusions 1 --exits 1 --max-speed 0.03 --max-rotation 30 --target-area-min 0.004 \
    --target-area-max 0.03
# 2. Train (resumable: re-run with --resume auto after an interruption). One thread avoids OpenMP stalls when the
#    machine is shared; on an idle machine OMP_NUM_THREADS=2 is faster.
OMP_NUM_THREADS=1 siamban train --config recipes/default_model/config.yaml -o runs/default_model --workers 1
# 3. Pick the epoch with the best val-role success AUC and ship it in fp16.
python tools/select_and_ship.py runs/default_model
