"""Signed webhooks (issue 6): an outbox of deliveries written with each change, sent by workers in the API process.

- :mod:`api.webhooks.outbox`: what the write path calls to queue deliveries (same transaction as the change).
- :mod:`api.webhooks.signing`: the `Timeline-Signature` header.
- :mod:`api.webhooks.schedule`: when a failed delivery is tried again, and when it gives up.
- :mod:`api.webhooks.sender`: one POST of one delivery.
- :mod:`api.webhooks.worker`: the delivery tasks the application's lifespan starts and stops.
"""
