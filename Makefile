# The course's one Makefile.
#   make check [LESSON=02-bank] [SEED=N] [CATEGORY=race]
#                                          grade your exercises with the public tests
#   make test                              the framework's own test suite (CI)
#   make grader                            build the grader only
#   make gradescope                        dist/autograder.zip (Gradescope autograder)
#   make handout                           dist/handout/ + dist/handout.tar.gz for students

CC       ?= cc
BUILD    ?= build
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -pthread
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lm)
LDLIBS   += $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson) -lm
# The sandbox's system-call filter (libseccomp), when it is installed.
ifneq ($(wildcard /usr/include/seccomp.h),)
CFLAGS   += -DHAVE_SECCOMP
LDLIBS   += -lseccomp
endif

GRADER_SRC := $(wildcard grader/src/*.c)
SANDBOX_SRC := $(wildcard sandbox/*.c)
GRADER_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(GRADER_SRC) $(SANDBOX_SRC))
HEADERS := $(wildcard grader/src/*.h sandbox/*.h) grader/harness/splitmix64.h grader/harness/witness_wire.h

.PHONY: all grader check test unit clean gradescope handout
all: grader
grader: $(BUILD)/grader $(BUILD)/libgrader_engine.so $(BUILD)/libgrader_atomics.so

# The concurrency engine's sources, the one list: linked into every test
# binary (grader/src/objcache.c gets it as -DENGINE_SOURCES) and, with
# preload.c and c11threads.c (its C11 names exported: -DGRADER_PRELOAD), into
# the LD_PRELOAD library for `grader stress`.
ENGINE_SRC := engine.c lockorder.c misuse.c noise.c waitpause.c watchdog.c timeline.c callcheck.c vclock.c semaphore.c sample.c pshared.c procwait.c
comma := ,
empty :=
space := $(empty) $(empty)
ENGINE_SOURCES_DEF := -DENGINE_SOURCES='$(subst $(space),$(comma),$(patsubst %,"%",$(ENGINE_SRC)))'
ENGINE_SO_SRC := $(addprefix grader/harness/,$(ENGINE_SRC) preload.c preload_crash.c c11threads.c)
$(BUILD)/libgrader_engine.so: $(ENGINE_SO_SRC) grader/harness/engine.h grader/harness/engine_int.h \
                            $(wildcard grader/harness/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -shared -fvisibility=hidden -DGRADER_PRELOAD -o $@ $(ENGINE_SO_SRC) -ldl

# Scheduling points at atomic operations, for `grader stress`'s TSan flavour.
$(BUILD)/libgrader_atomics.so: grader/harness/atomics.c grader/harness/splitmix64.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -shared -fvisibility=hidden -DGRADER_ATOMICS_PRELOAD -o $@ $< -ldl

$(BUILD)/grader: $(GRADER_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(GRADER_OBJ) $(LDLIBS)

$(BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DCHECK_LIBS='"$(CHECK_LIBS)"' $(ENGINE_SOURCES_DEF) -c $< -o $@
# The engine's source list lives here.
$(BUILD)/obj/grader/src/objcache.o $(BUILD)/san/grader/src/objcache.o: Makefile

# The student's command. LESSON and SEED are optional.
check: $(BUILD)/grader
	@$(BUILD)/grader grade --public --table $(if $(LESSON),--lesson $(LESSON) --details) \
	  $(if $(SEED),--seed $(SEED)) $(if $(CATEGORY),--category $(CATEGORY)) \
	  --quiet --out results.json exercises
	@echo "Full results: results.json"

ifeq ($(wildcard tests/run.sh),)
# A student handout has the grader and the exercises, not the course's own tests.
test unit gradescope handout:
	@echo "make $@: not part of the student handout; use make check"
else
test: grader
	@tests/run.sh

# The grader's own unit tests, built with AddressSanitizer and UBSan.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_OBJ := $(patsubst %.c,$(BUILD)/san/%.o,$(filter-out grader/src/main.c,$(GRADER_SRC)) $(SANDBOX_SRC))
$(BUILD)/san/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -DCHECK_LIBS='"$(CHECK_LIBS)"' $(ENGINE_SOURCES_DEF) -c $< -o $@
UNIT_SRC := $(wildcard tests/unit/*.c)
# timeline.c: the engine's one pure part under test (its merge and record text);
# witness.c: the judge's side of the sandbox's socket maker; rpc.c: the
# judge/subject messages.
UNIT_HARNESS := grader/harness/timeline.c grader/harness/witness.c grader/harness/rpc.c
$(BUILD)/unit_tests: $(UNIT_SRC) $(SAN_OBJ) $(UNIT_HARNESS) grader/harness/timeline.h \
                     grader/harness/harness.h grader/harness/witness_wire.h grader/harness/rpc.h
	$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $(UNIT_SRC) $(UNIT_HARNESS) $(SAN_OBJ) \
	  $(CHECK_LIBS) $(LDLIBS)
# The whole grader under the sanitizers, for the suite that grades with it.
$(BUILD)/grader-san: $(SAN_OBJ) $(BUILD)/san/grader/src/main.o
	$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LDLIBS)
unit: $(BUILD)/unit_tests $(BUILD)/grader-san

# The course's distributions (scripts/make-dist.sh).
DIST ?= dist
gradescope handout:
	@scripts/make-dist.sh $@ $(DIST)
endif

clean:
	rm -rf $(BUILD) results.json
