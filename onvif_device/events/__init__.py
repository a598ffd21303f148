"""Event delivery: what carries the camera's event bus to clients.

Pull point subscriptions (CreatePullPointSubscription / PullMessages),
WS-BaseNotification push (Subscribe, then Notify POSTed to the consumer) and
MQTT event brokers (Profile M) each listen to `camera.events` and keep their
own bounded queues.  `EventDelivery` holds them for one running camera.
"""
