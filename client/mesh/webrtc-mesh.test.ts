import { LocalSignalingHub } from './local-signaling';
import { createWebRtcMesh } from './node';
import { meshCompliance } from './test-support/mesh-compliance';

meshCompliance('webrtc', () => {
  const hub = new LocalSignalingHub();
  return {
    create: (init) => createWebRtcMesh({ ...init, server: hub.client(init.self) }),
    setServerOnline: (online) => hub.setOnline(online),
    // Let wrtc finish tearing down the closed peer connections before the next test.
    dispose: () => new Promise((resolve) => setTimeout(resolve, 50)),
  };
});
