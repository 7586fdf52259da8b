// The live WebSocket: a single-use ticket from POST /api/v1/live/tickets (the key stays in the
// Authorization header), then ws(s)://host/api/v1/live?ticket=...; channels are subscribed on open
// and again after a reconnect. Reconnects back off up to 30 s; 4401 (ticket refused) and 4403
// (role missing) are reported, not retried blindly.
import { call } from './api.js';

export class LiveConnection {
  constructor(handlers) {
    this.handlers = handlers; // {message(m), state(text), refused(code, reason)}
    this.subscriptions = new Map();
    this.socket = null;
    this.retry = 1000;
    this.stopped = false;
    this.timer = null;
  }

  async open() {
    this.stopped = false;
    let ticket;
    try {
      ticket = (await call('POST', '/api/v1/live/tickets')).ticket;
    } catch (failure) {
      if (failure.status === 401 || failure.status === 403) {
        this.handlers.refused(failure.status, failure.message);
        return;
      }
      this.handlers.state('live: no ticket, retrying');
      this.later();
      return;
    }
    if (this.stopped) {
      return;
    }
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(scheme + '://' + location.host + '/api/v1/live?ticket=' + encodeURIComponent(ticket));
    this.socket = socket;
    socket.onopen = () => {
      this.retry = 1000;
      this.handlers.state('live: on');
      for (const message of this.subscriptions.values()) {
        socket.send(JSON.stringify(message));
      }
    };
    socket.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      this.handlers.message(message);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) {
        return;
      }
      this.socket = null;
      if (this.stopped) {
        return;
      }
      if (event.code === 4403) {
        this.handlers.refused(403, event.reason || 'a channel needs a role this key lacks');
        return;
      }
      this.handlers.state('live: closed (' + event.code + '), reconnecting');
      this.later();
    };
  }

  later() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), this.retry);
    this.retry = Math.min(this.retry * 2, 30000);
  }

  /** Subscribes (or replaces the subscription of) a channel; kept for reconnects. */
  subscribe(channel, extra) {
    const message = Object.assign({ type: 'subscribe', channel }, extra || {});
    this.subscriptions.set(channel, message);
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
    }
  }

  close() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.subscriptions.clear();
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      socket.close(1000, 'signed out');
    }
  }
}
