"""Training workspace for agegender: UTKFace in, a tfjs-layers model and its model card out."""
