import { createInMemoryNetwork } from './in-memory-network';
import { meshCompliance } from './mesh-compliance';

meshCompliance('in-memory', () => {
  const network = createInMemoryNetwork();
  return {
    create: (init) => network.createMesh(init),
    setServerOnline: (online) => network.hub.setOnline(online),
    dispose: async () => {},
  };
});
