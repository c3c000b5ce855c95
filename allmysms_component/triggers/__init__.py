"""The triggers: what starts a flow when AllMySMS has something to say (a delivery report, a reply)."""
