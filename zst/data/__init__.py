"""Speech data: Lhotse CutSet manifests, corpus readers, cached teacher outputs, batching."""
