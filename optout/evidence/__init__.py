"""What a run leaves behind and how it is checked: manifests, the recorder, the chain, signatures,
verification, the history database, timelines, bundles and reports. Nothing here drives a browser."""
