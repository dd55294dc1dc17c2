"""Training data: datasets, the pair sampler, augmentation, label assignment, generated sequences."""
