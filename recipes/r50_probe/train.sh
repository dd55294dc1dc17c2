#!/usr/bin/env bash
# Train the R50 probe model (see config.yaml: for checking bf16 / fp16 box agreement on the paper's architecture, not
# for tracking). Run from the repository root after `pip install -e ".[train]"` and step 1 of
# recipes/default_model/train.sh (the generated training sequences). About 50 minutes on 2 CPU cores (epoch losses
# 1.04, 0.88, 0.77, 0.76).
set -euo pipefail
python recipes/r50_probe/calibrate.py recipes/r50_probe/config.yaml work_data/r50_probe/backbone_calibrated.pth
siamban train --config recipes/r50_probe/config.yaml -o runs/r50_probe --workers 1
# Box agreement of the reduced-precision paths with the trained probe:
#   python benchmarks/speed.py --models r50 --paths eager fp32 bf16 --frames 6 --rounds 1 --warmup 1 --batch 2 \
#       --weights r50=runs/r50_probe/snapshot/checkpoint_e4.pth --iou-frames 30 \
#       --json benchmarks/results/speed_cpu_r50_probe.json
