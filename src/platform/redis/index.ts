export { closeRedis, openRedis } from './open-redis.js';
export { pingRedis } from './ping-redis.js';
