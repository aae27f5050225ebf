"""Getting a browser: launching Chromium, the person's own browser, the --origin traffic map."""
