import sys

from services.api.main import main

sys.exit(main(sys.argv[1:]))
