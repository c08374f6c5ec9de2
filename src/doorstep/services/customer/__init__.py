"""The customer: messages and their rules, opt-outs, tracking links and page, self-service changes, feedback."""
