# Part 2 written answers
# 2.1: (is the weight unchanged?, does a grad exist?) at each step of one SGD iteration
ANSWERS = {
    "2.1a": (True, False),   # fresh net: no grad yet
    "2.1b": (True, False),   # zero_grad on a fresh net: grads are still None
    "2.1c": (True, False),   # forward + loss doesn't touch .grad
    "2.1d": (True, True),    # backward fills in .grad
    "2.1e": (False, True),   # step changes the weights
    "2.4": 4,                # fc1.weight, fc1.bias, fc2.weight, fc2.bias
    "2.5": (10, 100),        # fc2.weight
}
