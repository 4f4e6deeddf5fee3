// Internal to the evaluator: argument checks shared by every entry point (declared in the public
// recforge/eval_parts.hpp, which other backends use too).
#pragma once
#include "recforge/eval_parts.hpp"
