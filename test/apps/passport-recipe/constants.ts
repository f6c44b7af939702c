export const jwtConstants = {
  secret: 'recipe-secret-0123456789-abcdefghijklmnopqrstuvwxyz',
};
