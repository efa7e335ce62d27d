"""The hospital web page and its chat widget: the page server, the Socket.IO channel, allowed origins."""
