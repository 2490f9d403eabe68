// The logger is defined once in shared/host, where the client and the shared host loop both reach it.
export { type Logger, silentLogger } from '../../shared/host/logger';
