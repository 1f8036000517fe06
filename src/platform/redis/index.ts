export { pingRedis } from './ping-redis.js';
