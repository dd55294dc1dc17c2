#!/usr/bin/env bash
# Retrain the bundled default model (siamban_lite0) exactly as shipped. Run from the repository root after
#   pip install -c constraints.txt -e ".[train]"
# Needs ../shared/data/sequences (the train-role real sequences; val/heldout ones are never read) and about 2 GB of
# disk for the generated sequences and the prepared crops. On 2 CPU cores steps 1-3 take about 70 minutes.
set -euo pipefail
# 1. Real training data, prepared once (resumable): the train-role videos of shared/data/videos decoded
#    sequentially into 511x511 context crops (about 1 minute), and the boxed still images (about 15 s).
siamban prepare VIDEOS ../shared/data/videos work_data/videos -j 2 --no-progress
siamban prepare IMAGES ../shared/data/images work_data/images -j 2 --no-progress
# 2. 240 generated sequences (seeds 0-239), the same ones the shipped model saw.
siamban synth work_data/synthetic_train --count 160 --seed 0 --width 320 --height 240 --length 150 \
    --distractors 2 --occlusions 1 --full-occlusions 1 --exits 1
siamban synth work_data/synthetic_train --count 80 --seed 160 --width 640 --height 360 --length 150 \
    --distractors 3 --occlusions 1 --exits 1 --max-speed 0.03 --max-rotation 30 --target-area-min 0.004 \
    --target-area-max 0.03
# 3. Train (resumable: re-run with --resume auto after an interruption): 8 epochs with the backbone frozen, then 4
#    that also train stage 5 at 0.1x the rate. Two threads with OpenMP's active waits (what `siamban train` keeps):
#    on a machine shared with other work, OMP_NUM_THREADS=1 avoids the stall of two spinning threads.
OMP_NUM_THREADS=2 siamban train --config recipes/default_model/config.yaml -o runs/default_model --workers 1
# 4. Pick the epoch with the best success AUC on the 5 val-role real sequences among the last five (the 8 generated
#    val sequences are scored and logged too), and ship its weights in fp32
#    (log: benchmarks/results/default_model_selection.json).
OMP_NUM_THREADS=2 python tools/select_and_ship.py runs/default_model --epochs 8 9 10 11 12
# 5. Tracker settings on the same val data (tools/val_ablation.py; all rows in benchmarks/results/default_model_val_ablation.json):
#    the small-target search and the lost-target score, then penalty_k, window_influence and lr by `siamban tune`
#    (trial 0 = the starting settings, then 11 random trials, seed 0; trials in
#    benchmarks/results/default_model_tune_trials.jsonl). Best: trial 7 (0.1805 / 0.3036 / 0.1198, mean AUC 0.613),
#    which rounds to the starting 0.18 / 0.30 / 0.12 (0.571 as trial 0: the spread is this val set's noise); kept.
#    a) the small-target search (chosen: under 32 px, a 351 crop); b) on top of it, the lost-target score (0.3 with a
#    415 re-detection crop: no val figure changes, so the value that makes `lost` meaningful). Then set them in
#    src/siamban/configs/siamban_lite0.yaml (SMALL_TARGET_SIZE, SMALL_INSTANCE_SIZE, LOST_SCORE, LOST_INSTANCE_SIZE).
OMP_NUM_THREADS=1 python tools/val_ablation.py --workers 2 --output work_data/val_ablation_small.json \
    --trial base:small_instance_size=0,lost_score=0 \
    --trial small24:small_target_size=24,small_instance_size=351,lost_score=0 \
    --trial small32:small_target_size=32,small_instance_size=351,lost_score=0 \
    --trial small40:small_target_size=40,small_instance_size=351,lost_score=0 \
    --trial small32w:small_target_size=32,small_instance_size=415,lost_score=0
S=small_target_size=32,small_instance_size=351
OMP_NUM_THREADS=1 python tools/val_ablation.py --workers 2 --output work_data/val_ablation_lost.json \
    --trial lost0.2:$S,lost_score=0.2 --trial lost0.3:$S,lost_score=0.3 --trial lost0.4:$S,lost_score=0.4 \
    --trial lost0.3wide:$S,lost_score=0.3,lost_instance_size=415
mkdir -p work_data/tune_val
for s in otb_Football1 otb_Skiing tld_05_pedestrian3_first52 uav10_building4 vot_traffic; do
    ln -sfn "$(realpath ../shared/data/sequences/$s)" work_data/tune_val/$s
done
for d in work_data/synthetic_val/val_*; do ln -sfn "$(realpath "$d")" work_data/tune_val/"$(basename "$d")"; done
OMP_NUM_THREADS=1 siamban tune --dataset folders --dataset-root work_data/tune_val --out work_data/tune_lite0 \
    --budget 11 --seed 0 --workers 2 --threads 1
# 6. The held-out report (run once, with model and settings fixed): python benchmarks/accuracy.py
