import { LocalSignalingHub } from './local-signaling';
import { meshCompliance } from './mesh-compliance';
import { createWebRtcMesh } from './node';

meshCompliance('webrtc', () => {
  const hub = new LocalSignalingHub();
  return {
    create: (init) => createWebRtcMesh({ ...init, server: hub.client(init.self) }),
    setServerOnline: (online) => hub.setOnline(online),
    // Let wrtc finish tearing down the closed peer connections before the next test.
    dispose: () => new Promise((resolve) => setTimeout(resolve, 50)),
  };
});
