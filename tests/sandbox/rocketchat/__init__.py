"""The Rocket.Chat sandbox: an HTTP server that speaks Rocket.Chat's REST API as the contract
(REST-CONTRACT.md) describes. Run it with `python -m tests.sandbox.rocketchat --port 0 ...`."""
