/* commands.h - one function per `grader` command, each in its own file. */
#ifndef COMMANDS_H
#define COMMANDS_H

int cmd_grade(int argc, char **argv);
int cmd_batch(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_stress(int argc, char **argv);

#endif
