name no-such-service
