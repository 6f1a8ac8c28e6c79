# The course's one Makefile.
#   make check [LESSON=02-bank] [SEED=N]   grade your exercises with the public tests
#   make test                              the framework's own test suite (CI)
#   make grader                            build the grader only

CC       ?= cc
BUILD    ?= build
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -pthread
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lm)
LDLIBS   += $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson) -lm

GRADER_SRC := $(wildcard grader/src/*.c)
SANDBOX_SRC := $(wildcard sandbox/*.c)
GRADER_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(GRADER_SRC) $(SANDBOX_SRC))
HEADERS := $(wildcard grader/src/*.h sandbox/*.h)

.PHONY: all grader check test clean
all: grader
grader: $(BUILD)/grader

$(BUILD)/grader: $(GRADER_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(GRADER_OBJ) $(LDLIBS)

$(BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DCHECK_LIBS='"$(CHECK_LIBS)"' -c $< -o $@

# The student's command. LESSON and SEED are optional.
check: $(BUILD)/grader
	@$(BUILD)/grader grade --public --table $(if $(LESSON),--lesson $(LESSON) --details) \
	  $(if $(SEED),--seed $(SEED)) --quiet --out results.json exercises
	@echo "Full results: results.json"

test: $(BUILD)/grader
	@tests/run.sh

clean:
	rm -rf $(BUILD) results.json
