"""Training: one Accelerate loop (:mod:`zst.train.loop`) and short trainers per objective."""
