/* test_hidden.c - lesson 13's hidden tests (not in the student handout). */
#include "test_support.h"

START_TEST(placeholder) { } END_TEST

const graded_test hidden_tests[] = {
    GRADED(placeholder, "functional"),
    { 0 }
};
