// process.env as printed by the REPL
{
  HOME: '/home/builder',
  PWD: '/home/builder/project',
  OLDPWD: '/home/builder',
}
