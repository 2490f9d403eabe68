// simple-peer's browser build: a UMD bundle with its own Buffer and stream polyfills, so it runs in a
// page where the plain 'simple-peer' import dies with "global is not defined". Same API.
declare module 'simple-peer/simplepeer.min.js' {
  import SimplePeer from 'simple-peer';
  export default SimplePeer;
}
