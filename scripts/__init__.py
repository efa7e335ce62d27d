"""What runs the servers: `make run` (run_assistant.sh, supervise.py), the Rasa server options and
the channels' credentials (rasa_server_options.py, render_credentials.py, also used by deploy/), and
the retention job (delete_old_conversations.py)."""
