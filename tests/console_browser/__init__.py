"""The web console in a real headless browser (Debian chromium driven by Playwright)."""
