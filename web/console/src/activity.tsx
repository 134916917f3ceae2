// Reports this device ACTIVE or IDLE over its websocket, as the API asks:
// IDLE after idleAfterMs() without a key press, click, scroll or pointer
// move, or at once when the tab is hidden; ACTIVE again on the next input.
// Reports are sent only on a change, and again after each reconnect.
import { useMutation } from '@apollo/client/react';
import { useEffect, useRef } from 'react';

import { useAuth } from './auth';
import { graphql } from './gql';
import type { PresenceActivity } from './gql/graphql';
import { idleAfterMs } from './session';

const ReportActivity = graphql(`
  mutation ReportActivity($activity: PresenceActivity!) {
    setPresence(input: { activity: $activity }) {
      status
    }
  }
`);

const INPUTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'scroll', 'focus'] as const;

export function ActivityReporter() {
  const { socket } = useAuth();
  const [report] = useMutation(ReportActivity);
  const state = useRef<{ sent: PresenceActivity | null; idle: boolean; timer: number | undefined }>({
    sent: null,
    idle: false,
    timer: undefined,
  });

  useEffect(() => {
    if (socket !== 'connected') {
      state.current.sent = null; // a new socket starts ACTIVE on the server
      return;
    }
    const s = state.current;
    const send = (a: PresenceActivity) => {
      if (s.sent === a || (s.sent === null && a === 'ACTIVE')) {
        s.sent = a;
        return;
      }
      s.sent = a;
      report({ variables: { activity: a } }).catch(() => {
        s.sent = null; // resent on the next change
      });
    };
    const goIdle = () => {
      s.idle = true;
      send('IDLE');
    };
    const arm = () => {
      window.clearTimeout(s.timer);
      s.timer = window.setTimeout(goIdle, idleAfterMs());
    };
    const onInput = () => {
      if (document.visibilityState === 'hidden') return;
      if (s.idle) {
        s.idle = false;
        send('ACTIVE');
      }
      arm();
    };
    const onVisibility = () => (document.visibilityState === 'hidden' ? goIdle() : onInput());
    if (s.idle) send('IDLE');
    arm();
    for (const e of INPUTS) window.addEventListener(e, onInput, { passive: true, capture: true });
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      window.clearTimeout(s.timer);
      for (const e of INPUTS) window.removeEventListener(e, onInput, { capture: true });
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [socket, report]);
  return null;
}
