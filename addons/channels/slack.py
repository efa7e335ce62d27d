"""Slack: Rasa's route as it is (it checks the signing secret and the request's age), under the
input guard. Rasa drops all buttons past 5; Slack shows up to 25 in one block.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.channels import slack
from rasa.core.channels.channel import OutputChannel

from addons.channels.input_guard import GuardedInput
from addons.channels.messaging import PROVIDER_TIMEOUT, NumberedOptionsInput, base_url_from_env, send_numbered_options

SLACK_MAX_BUTTONS = 25
SLACK_SECTION_TEXT_LIMIT = 3000
SLACK_BUTTON_TITLE_LIMIT = 75


class SlackBot(slack.SlackBot):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client.timeout = PROVIDER_TIMEOUT
        base_url = base_url_from_env("SLACK_API_BASE_URL")
        if base_url:
            self.client.base_url = f"{base_url}/"

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        if len(buttons) > SLACK_MAX_BUTTONS or len(text) > SLACK_SECTION_TEXT_LIMIT:
            await send_numbered_options(self, recipient_id, text, buttons)
            return
        recipient = self.slack_channel or recipient_id
        text_block = {"type": "section", "text": {"type": "plain_text", "text": text}}
        button_block = {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": (button.get("title") or "")[:SLACK_BUTTON_TITLE_LIMIT]},
                    **({"value": button["payload"]} if button.get("payload") else {}),
                    **({"url": button["url"]} if button.get("url") else {}),
                }
                for button in buttons
            ],
        }
        await self._post_message(channel=recipient, as_user=True, text=text, blocks=[text_block, button_block])


class SlackInput(GuardedInput, NumberedOptionsInput, slack.SlackInput):
    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> OutputChannel:
        # sending to the id of a conversation id `slack:<id>` (the channel's own key space, input_guard.py)
        return self.in_key_space(SlackBot(self.slack_token, channel or self.slack_channel, thread_id, self.proxy))
