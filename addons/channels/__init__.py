"""The input channels credentials.yml names: the input guard every channel goes through
(input_guard.py) and the messaging providers' connectors, Rasa's own, subclassed only where they
fall short: one module per provider (twilio.py, facebook.py, telegram.py, slack.py, named as
Rasa's rasa.core.channels modules), and what they share (messaging.py).

credentials.yml names these classes by module path (`addons.channels.twilio.TwilioInput`, ...); each
keeps its Rasa name, so the routes stay Rasa's: /webhooks/twilio/webhook, /webhooks/facebook/webhook,
/webhooks/telegram/webhook, /webhooks/slack/webhook. Every channel is authenticated and guarded:

* Every request is authenticated by its provider's own means, or refused (403; Slack: 400):
  Twilio's X-Twilio-Signature, Facebook's X-Hub-Signature(-256), Telegram's secret token, Slack's
  signing secret. A channel without its authenticating setting stays off (credentials.yml
  requires it; Twilio and Telegram also refuse to start without it).
* Every user message goes through the input guard (addons/channels/input_guard.py: blank and over-long
  messages answered with the care-team number, typed "/commands" read as words). Where Rasa's
  route had to be declared again (Twilio, Facebook, Telegram), it is declared in a base class
  (TwilioWebhook, MessengerWebhook, TelegramWebhook), and the channel class puts GuardedInput and
  NumberedOptionsInput on top, so their blueprint() wraps the handler the route calls.
* A provider never gets a 500 for a message it sent: a failure is logged and answered as
  handled (a 500 makes Twilio report an error, Facebook and Telegram deliver it again).
* No log line of these classes holds message text, an event body, a phone number or a provider
  URL with a token: errors are logged by their type only.

What every provider's subclasses change, and why (each module says what else it changes):

* Outbound API base URL. Each connector's client talks to its provider's fixed host; an
  optional environment variable points it elsewhere (the tests' local fake; production leaves
  them unset): TWILIO_API_BASE_URL, FACEBOOK_GRAPH_BASE_URL, TELEGRAM_API_BASE_URL,
  SLACK_API_BASE_URL. Outbound calls also get a timeout, and Twilio's and Facebook's blocking
  HTTP clients run off the event loop, so a slow provider cannot stall the other channels.
* Buttons a channel cannot show become numbered options ("1. Causes"), and a reply of just the
  number is read as that option (messaging.py).
"""
