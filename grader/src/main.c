/* main.c - the `grader` command line: picks the command and hands over. */
#include "commands.h"
#include "grade.h"
#include "results_json.h"

#include <stdio.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} command;

static const command commands[] = {
    { "grade", cmd_grade, "grade one submission directory (see `grader grade --help`)" },
    { "batch", cmd_batch, "grade a class: one subdirectory per student (`grader batch --help`)" },
    { "merge", cmd_merge, "class summary and report from several batch result dirs" },
    { "convert", cmd_convert, "re-export a results JSON as gradescope or prairielearn" },
    { "replay", cmd_replay, "re-run one test with the seed a results JSON reported" },
    { "stress", cmd_stress, "run any pthread program under schedule noise and deadlock checks" },
};

static int usage(FILE *f)
{
    fprintf(f, "usage: grader COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\nExit status: 0 graded (whatever the score), 1 grader failure, 2 bad usage.\n");
    return f == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)
        return usage(stdout);
    if (strcmp(argv[1], "--version") == 0) {
        printf("grader %s\n", GRADER_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "grader: unknown command '%s'\n", argv[1]);
    return usage(stderr);
}
